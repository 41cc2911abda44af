"""The helper that every checker test uses to prove a hint does not give its answer away."""
from hint_stages import gives_away, stages


def test_gives_away_finds_a_value_alone_but_not_inside_other_numbers():
    assert gives_away("degree 5 wins", 5) and gives_away("scale 1.429.", "1.429")
    assert not gives_away("degree 15, 0.5, 5e-3 and seed=5", 5, allowed=["seed=5"])


def test_stages_are_what_a_checker_says_at_hints_1_2_and_3():
    said = stages(lambda answer, hint: f"{answer} at stage {hint}", "x")
    assert said == ["x at stage 1", "x at stage 2", "x at stage 3"]
