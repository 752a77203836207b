terraform {
  required_version = ">= 1.5"

  required_providers {
    personalize = {
      source  = "personalize-realtime/personalize"
      version = ">= 0.1.0"
    }
  }
}
