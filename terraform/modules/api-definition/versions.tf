terraform {
  # No provider: this module only computes the API Gateway body, so it can be planned and
  # applied anywhere (the project's tests apply it without AWS).
  required_version = ">= 1.5"
}
