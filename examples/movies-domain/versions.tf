terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60"
    }
    personalize = {
      source = "personalize-realtime/personalize"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project    = "personalize-realtime"
      deployment = var.name_prefix
    }
  }
}

provider "personalize" {
  region = var.region
}
