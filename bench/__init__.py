"""`make bench`: what users feel, measured on the shared workload."""
