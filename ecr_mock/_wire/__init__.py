"""Wire formats: ECR's JSON 1.1 protocol, driven by botocore's ECR model (parse, validate, serialize)."""
