"""Lesson 0's widget check: the sentence follows the slider, and a saved notebook shows a picture."""
import base64
import io

from PIL import Image

from lessonkit.lessons.setup_check import widget_check

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_the_sentence_follows_the_slider():
    check = widget_check()
    assert "n squared is 9" in check.label.value
    check.slider.value = 7
    assert "n squared is 49" in check.label.value


def test_the_saved_output_is_a_picture_of_the_slider_not_the_widget_text():
    check = widget_check()
    bundle = check._repr_mimebundle_()
    assert WIDGET_VIEW in bundle  # JupyterLab still renders the live widget
    assert not bundle["text/plain"].startswith("VBox(")  # what a reader must not see
    picture = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert picture.width > 3 * picture.height
    check.slider.value = 9
    moved = base64.b64decode(check._repr_mimebundle_()["image/png"])
    assert moved != base64.b64decode(bundle["image/png"])  # the picture shows the current value
