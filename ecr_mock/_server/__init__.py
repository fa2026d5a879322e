"""The registry server: one WSGI application over the same backend the in-process mock uses.

``POST /`` speaks ECR's JSON 1.1 through the same protocol layer as the botocore interceptor; ``/v2/`` is the OCI
distribution API (docker, skopeo, podman, oras); ``/layers/`` serves the layer download URLs. ``ecr-mock serve``
runs it from the command line, ``mock.serve()`` inside a test.
"""
