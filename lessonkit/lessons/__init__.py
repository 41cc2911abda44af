"""One package per lesson, named for its topic. A lesson imports `lessonkit.core` and its
own modules only: never another lesson, never `lessonkit.fast` (tests/test_layout.py)."""
