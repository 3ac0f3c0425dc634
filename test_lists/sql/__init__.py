"""SQL over the warehouse used by the test-list stage (read with importlib.resources)."""
