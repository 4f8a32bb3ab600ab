"""Code generation: a deterministic, offline project skeleton from current specifications."""
