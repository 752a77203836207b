terraform {
  required_version = ">= 1.5"

  required_providers {
    personalize = {
      source = "personalize-realtime/personalize"
    }
  }
}

# Our provider, pointed at personalize-local. Credentials come from the standard AWS_*
# variables; the demo sets fixed test ones, which the emulator accepts.
provider "personalize" {
  region = var.region

  endpoints {
    personalize = var.personalize_endpoint
  }
}
