"""One package per lesson, named for its topic. A lesson imports `lessonkit.core`, its own modules
and earlier lessons (lower numbers), never a later one; its `__init__` is the lesson's public
surface, the names its notebook imports (tests/test_layout.py)."""
