"""Stage 4, the pipeline: whole runs that chain the stages below (the end-to-end demo)."""
