"""Long work done by the worker (large exports), with progress the person who asked can watch."""
