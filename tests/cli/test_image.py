"""`colorcore image` through the real console script: success and every bad input."""

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from colorcore.colorspace import LUMA_WEIGHTS
from tests.support.images import synthetic_photo
from tests.support.testdata import require_testdata

REPO = Path(__file__).resolve().parents[2]


def colorcore(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "colorcore", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def write_rgb(path, rgb):
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR) if rgb.ndim == 3 else rgb)


@pytest.fixture
def pair(tmp_path):
    rgb = synthetic_photo(48, 64)
    gray = np.round(rgb.astype(float) @ LUMA_WEIGHTS).astype(np.uint8)
    marked = np.repeat(gray[..., None], 3, 2)
    marked[20:24, 15:25] = rgb[20:24, 15:25]
    marked[2:5, 40:60] = rgb[2:5, 40:60]
    write_rgb(tmp_path / "gray.png", gray)
    write_rgb(tmp_path / "marked.png", marked)
    return tmp_path / "gray.png", tmp_path / "marked.png", gray


def assert_one_line_error(result, *fragments):
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("solver", ["fast", "exact"])
def test_image_colourises_and_keeps_luma(pair, tmp_path, solver):
    gray_path, marked_path, gray = pair
    out = tmp_path / "out.png"
    result = colorcore("image", gray_path, marked_path, "-o", out, "--solver", solver, "--device", "cpu")
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    rgb = cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)
    assert np.array_equal(np.round(rgb.astype(float) @ LUMA_WEIGHTS), gray)
    assert np.abs(rgb[..., 0].astype(int) - rgb[..., 2]).max() > 30  # it has colour
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gray.png", "marked.png", "out.png"]


def test_sixteen_bit_tiff_in_and_out(tmp_path):
    rgb = synthetic_photo(32, 40).astype(np.uint16) * 257
    gray = np.round(rgb.astype(float) @ LUMA_WEIGHTS).astype(np.uint16)
    marked = np.repeat(gray[..., None], 3, 2)
    marked[10:14, 8:20] = rgb[10:14, 8:20]
    write_rgb(tmp_path / "g.tif", gray)
    write_rgb(tmp_path / "m.tif", marked)
    result = colorcore("image", tmp_path / "g.tif", tmp_path / "m.tif", "-o", tmp_path / "o.tif")
    assert result.returncode == 0, result.stderr
    out = cv2.cvtColor(cv2.imread(str(tmp_path / "o.tif"), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGR2RGB)
    assert out.dtype == np.uint16
    assert np.abs(out.astype(float) @ LUMA_WEIGHTS - gray).max() <= 0.3


def test_marked_without_scribbles_gives_grey_with_a_warning(pair, tmp_path):
    gray_path, _, gray = pair
    out = tmp_path / "out.png"
    result = colorcore("image", gray_path, gray_path, "-o", out)
    assert result.returncode == 2  # grey file given as the marked image: it has no colour
    write_rgb(tmp_path / "plain.png", np.repeat(gray[..., None], 3, 2))
    result = colorcore("image", gray_path, tmp_path / "plain.png", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "warning" in result.stderr and "grey" in result.stderr
    assert np.array_equal(cv2.imread(str(out))[..., 0], gray)


def test_missing_file(pair, tmp_path):
    _, marked_path, _ = pair
    assert_one_line_error(colorcore("image", tmp_path / "nope.png", marked_path, "-o", tmp_path / "o.png"), "nope.png")


def test_not_an_image(pair, tmp_path):
    _, marked_path, _ = pair
    (tmp_path / "text.png").write_text("this is not a picture")
    assert_one_line_error(colorcore("image", tmp_path / "text.png", marked_path, "-o", tmp_path / "o.png"), "text.png")


def test_sizes_differ(pair, tmp_path):
    gray_path, _, gray = pair
    write_rgb(tmp_path / "small.png", np.repeat(gray[:40, :60, None], 3, 2))
    assert_one_line_error(colorcore("image", gray_path, tmp_path / "small.png", "-o", tmp_path / "o.png"), "same size")


def test_output_folder_missing(pair, tmp_path):
    gray_path, marked_path, _ = pair
    assert_one_line_error(colorcore("image", gray_path, marked_path, "-o", tmp_path / "no" / "o.png"), "does not exist")


def test_output_equals_input_leaves_it_untouched(pair):
    gray_path, marked_path, _ = pair
    before = gray_path.read_bytes()
    assert_one_line_error(colorcore("image", gray_path, marked_path, "-o", gray_path, "--overwrite"), "also an input")
    assert gray_path.read_bytes() == before


def test_existing_output_needs_overwrite(pair, tmp_path):
    gray_path, marked_path, _ = pair
    (tmp_path / "o.png").write_bytes(b"precious")
    assert_one_line_error(colorcore("image", gray_path, marked_path, "-o", tmp_path / "o.png"), "--overwrite")
    assert (tmp_path / "o.png").read_bytes() == b"precious"


def test_bad_option_is_one_line(pair, tmp_path):
    gray_path, marked_path, _ = pair
    assert_one_line_error(
        colorcore("image", gray_path, marked_path, "-o", tmp_path / "o.png", "--solver", "magic"), "magic"
    )


def test_the_command_does_not_import_torch(pair, tmp_path):
    gray_path, marked_path, _ = pair
    code = (
        "import sys; from colorcore.cli import main; "
        f"rc = main(['image', {str(gray_path)!r}, {str(marked_path)!r}, '-o', {str(tmp_path / 'o.png')!r}]); "
        "print('torch' in sys.modules); sys.exit(rc)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("False")


def test_readme_demo_command_works(tmp_path):
    demo = REPO / "resources" / "demo"
    out = tmp_path / "coffee-colour.png"
    result = colorcore("image", demo / "coffee-gray.png", demo / "coffee-marked.png", "-o", out, cwd=REPO)
    assert result.returncode == 0, result.stderr
    truth = cv2.imread(str(demo / "coffee.png")).astype(float)
    psnr = 10 * np.log10(255**2 / np.mean((cv2.imread(str(out)).astype(float) - truth) ** 2))
    assert psnr > 25  # sixteen strokes get the whole photograph close to its true colour


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    command = next(line for line in ci.splitlines() if "pytest" in line)
    assert command in readme


@pytest.mark.testdata
def test_levin_example_reproduces_the_authors_result(tmp_path):
    folder = require_testdata("levin2004")
    for solver in ("exact", "fast"):
        out = tmp_path / f"{solver}.png"
        result = colorcore(
            "image", folder / "example.bmp", folder / "example_marked.bmp", "-o", out, "--solver", solver
        )
        assert result.returncode == 0, result.stderr
        ours = cv2.imread(str(out)).astype(float)[:256]
        theirs = cv2.imread(str(folder / "example_res.bmp")).astype(float)
        psnr = 10 * np.log10(255**2 / np.mean((ours - theirs) ** 2))
        assert psnr >= 40, (solver, psnr)
