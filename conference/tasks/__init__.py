"""Work done off the request by a task queue (huey): mail delivery, print files, exports."""
