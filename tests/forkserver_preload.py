"""What the concurrency tests' forkserver imports before forking (``tests/processes.py``)."""

from tests.processes import import_application

import_application()
