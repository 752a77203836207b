//! What a built executable is, read from its header: the CPU it runs on and, for glibc
//! programs, the newest glibc symbol version it needs. Checked after every build, so a zip
//! never holds a binary for the wrong platform or one that needs a newer glibc than promised.
//!
//! Reads ELF64 little-endian (Linux on amd64 and arm64), 64-bit Mach-O (macOS) and PE
//! (Windows) by hand: no `file` or `readelf` on the machine is assumed. Every offset is bounds-checked, so a
//! truncated or hostile file is an error, never a panic.

use anyhow::{bail, Context};

/// ELF `e_machine` of x86-64.
pub const EM_X86_64: u16 = 62;
/// ELF `e_machine` of AArch64.
pub const EM_AARCH64: u16 = 183;
/// Mach-O `cputype` of x86-64 (`CPU_TYPE_X86 | CPU_ARCH_ABI64`).
const CPU_TYPE_X86_64: u32 = 0x0100_0007;
/// Mach-O `cputype` of arm64 (`CPU_TYPE_ARM | CPU_ARCH_ABI64`).
const CPU_TYPE_ARM64: u32 = 0x0100_000c;
/// PE `Machine` of x86-64 (`IMAGE_FILE_MACHINE_AMD64`).
const IMAGE_FILE_MACHINE_AMD64: u16 = 0x8664;
/// PE `Machine` of arm64 (`IMAGE_FILE_MACHINE_ARM64`).
const IMAGE_FILE_MACHINE_ARM64: u16 = 0xaa64;
/// Section type of the version requirements (`.gnu.version_r`).
const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;

/// The CPU architecture of an executable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// x86-64 (Terraform's `amd64`).
    Amd64,
    /// AArch64 (Terraform's `arm64`).
    Arm64,
}

/// The executable format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ELF (Linux).
    Elf,
    /// Mach-O (macOS).
    MachO,
    /// Portable Executable (Windows).
    Pe,
}

/// A glibc version, e.g. `2.17` is `(2, 17)`.
pub type GlibcVersion = (u32, u32);

/// What [`inspect`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executable {
    /// ELF or Mach-O.
    pub format: Format,
    /// The CPU it runs on.
    pub arch: Arch,
    /// The newest `GLIBC_x.y` symbol version it needs (ELF linked against glibc), else `None`.
    pub glibc: Option<GlibcVersion>,
}

/// Reads the header (and, for ELF, the version requirements) of an executable.
///
/// # Errors
/// When the bytes are not a 64-bit little-endian ELF or Mach-O for amd64 or arm64, or a
/// table in them points outside the file.
pub fn inspect(bytes: &[u8]) -> anyhow::Result<Executable> {
    match bytes.get(..4) {
        Some(b"\x7fELF") => inspect_elf(bytes),
        Some([0xcf, 0xfa, 0xed, 0xfe]) => {
            let arch = match u32_at(bytes, 0, 4)? {
                CPU_TYPE_X86_64 => Arch::Amd64,
                CPU_TYPE_ARM64 => Arch::Arm64,
                other => bail!("Mach-O for an unsupported CPU type {other:#x}"),
            };
            Ok(Executable {
                format: Format::MachO,
                arch,
                glibc: None,
            })
        }
        _ if bytes.starts_with(b"MZ") => inspect_pe(bytes),
        _ => bail!("not an executable: no ELF, 64-bit Mach-O or PE magic"),
    }
}

/// A PE image: the DOS header's `e_lfanew` (at 0x3c) points at `PE\0\0`, followed by the
/// COFF header whose first field is the machine.
fn inspect_pe(bytes: &[u8]) -> anyhow::Result<Executable> {
    let at = u32_at(bytes, 0, 0x3c)? as usize;
    if slice(bytes, at, 4).context("PE signature")? != b"PE\0\0" {
        bail!("MZ file without a PE signature at {at}");
    }
    let arch = match u16_at(bytes, at, 4)? {
        IMAGE_FILE_MACHINE_AMD64 => Arch::Amd64,
        IMAGE_FILE_MACHINE_ARM64 => Arch::Arm64,
        other => bail!("PE for an unsupported machine {other:#x}"),
    };
    Ok(Executable {
        format: Format::Pe,
        arch,
        glibc: None,
    })
}

fn inspect_elf(bytes: &[u8]) -> anyhow::Result<Executable> {
    // e_ident: EI_CLASS 2 = 64-bit, EI_DATA 1 = little-endian.
    if bytes.get(4) != Some(&2) {
        bail!("ELF is not 64-bit");
    }
    if bytes.get(5) != Some(&1) {
        bail!("ELF is not little-endian");
    }
    let arch = match u16_at(bytes, 0, 18)? {
        EM_X86_64 => Arch::Amd64,
        EM_AARCH64 => Arch::Arm64,
        other => bail!("ELF for an unsupported machine {other}"),
    };
    Ok(Executable {
        format: Format::Elf,
        arch,
        glibc: newest_glibc(bytes)?,
    })
}

/// The newest `GLIBC_*` version named in `.gnu.version_r`.
fn newest_glibc(bytes: &[u8]) -> anyhow::Result<Option<GlibcVersion>> {
    let shoff = usize_at(bytes, 0, 0x28)?;
    let shentsize = usize::from(u16_at(bytes, 0, 0x3a)?);
    let shnum = usize::from(u16_at(bytes, 0, 0x3c)?);
    if shnum == 0 {
        return Ok(None);
    }
    if shentsize < 0x40 {
        bail!("ELF section header size {shentsize} is below 64");
    }
    // The whole table must be in the file, not only the fields read.
    shnum
        .checked_mul(shentsize)
        .context("ELF section header table overflows")
        .and_then(|size| slice(bytes, shoff, size))
        .context("ELF section header table")?;
    let section = |i: usize| -> anyhow::Result<(u32, usize, usize, usize, usize)> {
        let at = i
            .checked_mul(shentsize)
            .and_then(|o| o.checked_add(shoff))
            .context("ELF section header offset overflows")?;
        Ok((
            u32_at(bytes, at, 4)?,             // sh_type
            usize_at(bytes, at, 0x18)?,        // sh_offset
            usize_at(bytes, at, 0x20)?,        // sh_size
            u32_at(bytes, at, 0x28)? as usize, // sh_link
            u32_at(bytes, at, 0x2c)? as usize, // sh_info
        ))
    };
    let mut newest: Option<GlibcVersion> = None;
    for i in 0..shnum {
        let (kind, offset, size, link, count) = section(i)?;
        if kind != SHT_GNU_VERNEED {
            continue;
        }
        if link >= shnum {
            bail!("ELF version section links to missing section {link}");
        }
        let (_, str_offset, str_size, _, _) = section(link)?;
        let strings = slice(bytes, str_offset, str_size).context("ELF version string table")?;
        let table = slice(bytes, offset, size).context("ELF version section")?;
        // Verneed entries (vn_cnt at 2, vn_aux at 8, vn_next at 12), each with a chain of
        // Vernaux entries (vna_name at 8, vna_next at 12). `count` bounds the walk, so a
        // cyclic chain cannot loop for ever.
        let mut entry = 0usize;
        for _ in 0..count {
            let aux_count = u16_at(table, entry, 2)?;
            let mut aux = entry
                .checked_add(u32_at(table, entry, 8)? as usize)
                .context("ELF version entry overflows")?;
            for _ in 0..aux_count {
                let name = c_str(strings, u32_at(table, aux, 8)? as usize)?;
                if let Some(v) = name.strip_prefix("GLIBC_").and_then(parse_glibc) {
                    newest = newest.max(Some(v));
                }
                aux = aux
                    .checked_add(u32_at(table, aux, 12)? as usize)
                    .context("ELF version entry overflows")?;
            }
            let next = u32_at(table, entry, 12)? as usize;
            if next == 0 {
                break;
            }
            entry = entry
                .checked_add(next)
                .context("ELF version entry overflows")?;
        }
    }
    Ok(newest)
}

/// `2.17` → `(2, 17)`; a third part (`2.3.4`) is ignored. `GLIBC_PRIVATE` is not a version.
fn parse_glibc(text: &str) -> Option<GlibcVersion> {
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

fn slice(bytes: &[u8], offset: usize, size: usize) -> anyhow::Result<&[u8]> {
    offset
        .checked_add(size)
        .and_then(|end| bytes.get(offset..end))
        .with_context(|| format!("{size} bytes at {offset} lie outside the file"))
}

fn c_str(bytes: &[u8], offset: usize) -> anyhow::Result<&str> {
    let rest = bytes
        .get(offset..)
        .with_context(|| format!("string at {offset} lies outside its table"))?;
    let end = rest
        .iter()
        .position(|&b| b == 0)
        .context("string without its terminating NUL")?;
    std::str::from_utf8(&rest[..end]).context("string is not UTF-8")
}

// Readers of the little-endian field at `base + offset`: both come from the file, so the sum
// is checked too.
fn u16_at(bytes: &[u8], base: usize, offset: usize) -> anyhow::Result<u16> {
    Ok(u16::from_le_bytes(array(bytes, base, offset)?))
}

fn u32_at(bytes: &[u8], base: usize, offset: usize) -> anyhow::Result<u32> {
    Ok(u32::from_le_bytes(array(bytes, base, offset)?))
}

fn usize_at(bytes: &[u8], base: usize, offset: usize) -> anyhow::Result<usize> {
    usize::try_from(u64::from_le_bytes(array(bytes, base, offset)?))
        .context("offset exceeds memory")
}

fn array<const N: usize>(bytes: &[u8], base: usize, offset: usize) -> anyhow::Result<[u8; N]> {
    base.checked_add(offset)
        .and_then(|at| Some((at, at.checked_add(N)?)))
        .and_then(|(at, end)| bytes.get(at..end))
        .and_then(|s| s.try_into().ok())
        .with_context(|| format!("file too short: {N} bytes at offset {base} + {offset}"))
}

#[cfg(test)]
#[path = "binary_tests.rs"]
mod tests;
