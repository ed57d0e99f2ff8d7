"""The ``keyhue`` launcher's own checks, before any window exists."""

import pytest

from keyhue.main import XCB_LIBRARIES, main, missing_gui_packages, missing_xcb_packages


def test_no_xcb_check_off_x11(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert missing_xcb_packages() == []


def test_xcb_check_names_debian_packages(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":99")
    missing = missing_xcb_packages()
    assert set(missing) <= set(XCB_LIBRARIES.values())


def test_gui_packages_present_in_the_test_environment():
    assert missing_gui_packages() == []


def test_path_and_demo_together_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["film.mp4", "--demo"])
    assert exit_info.value.code == 2
    assert "not both" in capsys.readouterr().err
