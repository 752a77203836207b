use super::*;

const STRINGS: &[u8] = b"\0libc.so.6\0GLIBC_2.17\0GLIBC_2.28\0GLIBC_PRIVATE\0";

/// Offset of `name` in [`STRINGS`].
fn name_at(name: &str) -> u32 {
    let needle = [name.as_bytes(), b"\0"].concat();
    STRINGS
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| u32::try_from(p).unwrap())
        .unwrap()
}

/// A minimal ELF64: header, a string table, one `.gnu.version_r` needing `versions` of libc,
/// and three section headers (null, strings, versions).
fn elf(machine: u16, versions: &[&str]) -> Vec<u8> {
    let mut out = vec![0u8; 64];
    out[..4].copy_from_slice(b"\x7fELF");
    out[4] = 2;
    out[5] = 1;
    out[6] = 1;
    out[18..20].copy_from_slice(&machine.to_le_bytes());
    let str_offset = out.len();
    out.extend_from_slice(STRINGS);
    let ver_offset = out.len();
    // Verneed: version 1, count, file name, first aux right after (16), no next entry.
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&u16::try_from(versions.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&name_at("libc.so.6").to_le_bytes());
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    for (i, v) in versions.iter().enumerate() {
        let next: u32 = if i + 1 == versions.len() { 0 } else { 16 };
        out.extend_from_slice(&0u32.to_le_bytes()); // hash
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&u16::try_from(i + 2).unwrap().to_le_bytes());
        out.extend_from_slice(&name_at(v).to_le_bytes());
        out.extend_from_slice(&next.to_le_bytes());
    }
    let ver_size = out.len() - ver_offset;
    let shoff = out.len();
    out[0x28..0x30].copy_from_slice(&(shoff as u64).to_le_bytes());
    out[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
    out[0x3c..0x3e].copy_from_slice(&3u16.to_le_bytes());
    let header = |kind: u32, offset: usize, size: usize, link: u32, info: u32| {
        let mut h = vec![0u8; 64];
        h[4..8].copy_from_slice(&kind.to_le_bytes());
        h[0x18..0x20].copy_from_slice(&(offset as u64).to_le_bytes());
        h[0x20..0x28].copy_from_slice(&(size as u64).to_le_bytes());
        h[0x28..0x2c].copy_from_slice(&link.to_le_bytes());
        h[0x2c..0x30].copy_from_slice(&info.to_le_bytes());
        h
    };
    out.extend(header(0, 0, 0, 0, 0));
    out.extend(header(3, str_offset, STRINGS.len(), 0, 0));
    out.extend(header(SHT_GNU_VERNEED, ver_offset, ver_size, 1, 1));
    out
}

/// Offset of section header `i` in a file made by [`elf`].
fn section_header(file: &[u8], i: usize) -> usize {
    usize::try_from(u64::from_le_bytes(file[0x28..0x30].try_into().unwrap())).unwrap() + i * 64
}

#[test]
fn reads_the_machine_and_the_newest_glibc_version() {
    let exe = inspect(&elf(
        EM_AARCH64,
        &["GLIBC_2.17", "GLIBC_2.28", "GLIBC_PRIVATE"],
    ))
    .unwrap();
    assert_eq!(
        exe,
        Executable {
            format: Format::Elf,
            arch: Arch::Arm64,
            glibc: Some((2, 28)),
        }
    );
    let exe = inspect(&elf(EM_X86_64, &["GLIBC_PRIVATE"])).unwrap();
    assert_eq!((exe.arch, exe.glibc), (Arch::Amd64, None));
}

#[test]
fn reads_the_running_program() {
    // A real linker's output, not only the hand-made file above.
    let bytes = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    let exe = inspect(&bytes).unwrap();
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        assert_eq!(exe.arch, Arch::Amd64);
    }
    if cfg!(all(target_os = "linux", target_arch = "aarch64")) {
        assert_eq!(exe.arch, Arch::Arm64);
    }
    if cfg!(all(target_os = "linux", target_env = "gnu")) {
        let glibc = exe.glibc.expect("a glibc program names GLIBC_ versions");
        assert!(glibc >= (2, 2), "{glibc:?}");
    }
}

#[test]
fn reads_mach_o_headers() {
    let mut bytes = vec![0xcf, 0xfa, 0xed, 0xfe];
    bytes.extend_from_slice(&CPU_TYPE_ARM64.to_le_bytes());
    let exe = inspect(&bytes).unwrap();
    assert_eq!(
        (exe.format, exe.arch, exe.glibc),
        (Format::MachO, Arch::Arm64, None)
    );
    bytes[4..8].copy_from_slice(&7u32.to_le_bytes()); // 32-bit x86
    assert!(inspect(&bytes)
        .unwrap_err()
        .to_string()
        .contains("CPU type"));
}

/// A minimal PE image: DOS header pointing at the signature, then the COFF machine.
fn pe(machine: u16) -> Vec<u8> {
    let mut bytes = vec![0u8; 0x80];
    bytes[..2].copy_from_slice(b"MZ");
    bytes[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
    bytes[0x40..0x44].copy_from_slice(b"PE\0\0");
    bytes[0x44..0x46].copy_from_slice(&machine.to_le_bytes());
    bytes
}

#[test]
fn reads_pe_headers() {
    let exe = inspect(&pe(IMAGE_FILE_MACHINE_AMD64)).unwrap();
    assert_eq!((exe.format, exe.arch), (Format::Pe, Arch::Amd64));
    let exe = inspect(&pe(IMAGE_FILE_MACHINE_ARM64)).unwrap();
    assert_eq!((exe.format, exe.arch), (Format::Pe, Arch::Arm64));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("i386", pe(0x14c), "unsupported machine 0x14c"),
        (
            "no signature",
            {
                let mut b = pe(IMAGE_FILE_MACHINE_AMD64);
                b[0x40] = b'X';
                b
            },
            "without a PE signature",
        ),
        (
            "e_lfanew outside the file",
            {
                let mut b = pe(IMAGE_FILE_MACHINE_AMD64);
                b[0x3c..0x40].copy_from_slice(&u32::MAX.to_le_bytes());
                b
            },
            "outside the file",
        ),
        ("cut short", b"MZ".to_vec(), "too short"),
    ];
    for (what, bytes, expected) in cases {
        let err = format!("{:#}", inspect(&bytes).unwrap_err());
        assert!(err.contains(expected), "{what}: {err}");
    }
}

#[test]
fn refuses_what_is_not_a_supported_executable() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "magic"),
        ("text", b"#!/bin/sh\necho hi\n".to_vec(), "magic"),
        (
            "header cut short",
            b"\x7fELF\x02\x01\x01".to_vec(),
            "too short",
        ),
        (
            "32-bit",
            {
                let mut e = elf(EM_X86_64, &[]);
                e[4] = 1;
                e
            },
            "64-bit",
        ),
        (
            "big-endian",
            {
                let mut e = elf(EM_X86_64, &[]);
                e[5] = 2;
                e
            },
            "little-endian",
        ),
        ("RISC-V", elf(243, &[]), "unsupported machine 243"),
        (
            "Mach-O without a CPU type",
            vec![0xcf, 0xfa, 0xed, 0xfe, 1],
            "too short",
        ),
    ];
    for (what, bytes, wanted) in cases {
        let err = format!("{:#}", inspect(&bytes).unwrap_err());
        assert!(err.contains(wanted), "{what}: {err}");
    }
}

#[test]
fn tables_pointing_outside_the_file_are_errors_not_panics() {
    let good = elf(EM_AARCH64, &["GLIBC_2.17"]);
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut far = good.clone();
    far[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
    cases.push(("section headers past the end", far));
    let mut tiny = good.clone();
    tiny[0x3a..0x3c].copy_from_slice(&8u16.to_le_bytes());
    cases.push(("section header size too small", tiny));
    let mut link = good.clone();
    let at = section_header(&link, 2) + 0x28;
    link[at..at + 4].copy_from_slice(&9u32.to_le_bytes());
    cases.push(("version section links nowhere", link));
    let mut size = good.clone();
    let at = section_header(&size, 2) + 0x20;
    size[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    cases.push(("version section size overflows", size));
    let mut name = good.clone();
    // The first Vernaux's name (64 header + strings + 16 Verneed + 8).
    let at = 64 + STRINGS.len() + 16 + 8;
    name[at..at + 4].copy_from_slice(&10_000u32.to_le_bytes());
    cases.push(("name outside the string table", name));
    let cut = good[..good.len() - 10].to_vec();
    cases.push(("truncated section headers", cut));
    for (what, bytes) in cases {
        assert!(inspect(&bytes).is_err(), "{what}");
    }
    // A version chain that points back at itself stops after the declared count.
    let mut cyclic = elf(EM_AARCH64, &["GLIBC_2.17"]);
    let at = 64 + STRINGS.len() + 12; // vn_next
    cyclic[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
    let aux_next = 64 + STRINGS.len() + 16 + 12;
    cyclic[aux_next..aux_next + 4].copy_from_slice(&0u32.to_le_bytes());
    let count_at = 64 + STRINGS.len() + 2;
    cyclic[count_at..count_at + 2].copy_from_slice(&u16::MAX.to_le_bytes());
    assert_eq!(inspect(&cyclic).unwrap().glibc, Some((2, 17)));
}
