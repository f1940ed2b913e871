"""Problem classes: validated data, independent checker, trivial bounds."""
