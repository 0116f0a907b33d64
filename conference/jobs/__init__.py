"""Long organiser jobs (print files, exports): queued, run by the task worker, downloaded."""
