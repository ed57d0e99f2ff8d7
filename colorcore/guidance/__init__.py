"""What the archivist tells the engine: strokes and hints, references, exemplars, projects.

Everything here is data: strokes are vectors (rasterised on demand at any size),
references and exemplars are colour images, a project ties them to one source clip.
"""

from colorcore.guidance.hints import HintRaster, Hints, RasterHint, Stroke
from colorcore.guidance.references import Exemplar, Guidance, Reference

__all__ = ["Exemplar", "Guidance", "HintRaster", "Hints", "RasterHint", "Reference", "Stroke"]
