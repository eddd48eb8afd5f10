"""Long work done by the worker (large exports, report PDFs and evidence packs), with progress the person
who asked can watch."""
