"""Gate probe: a safe additive migration (nullable column, index built concurrently): the control."""
