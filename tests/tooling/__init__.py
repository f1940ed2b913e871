"""Test tooling shared by the test suite and the robustness benchmarks (not shipped in the package)."""
