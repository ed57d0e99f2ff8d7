"""The fast solver: geometric multigrid on Levin's stencil, for numpy or torch.

It solves the same system as :mod:`colorcore.solvers.exact` (Levin's equation, stated in
:mod:`colorcore.solvers.levin`), iteratively and to a tolerance, in a fraction of the
time and memory. Levin's system is a diffusion: colour spreads from the hints along
similar luma. Simple iterations need about (distance to the nearest hint)^2 sweeps;
multigrid needs a few cycles whatever the distance. All of it works on 9-point stencils,
so that one vectorised implementation runs on numpy (CPU) and on torch (GPU) through the
array backend's contract (:class:`colorcore.solvers.backend.ArrayBackend`).

Read in this order:

- :mod:`.solve`: :func:`solve_multigrid`, the entry point (Levin's operator and
  right-hand side, a trusted starting guess);
- :mod:`.cycle`: :class:`MultigridSolver`, the hierarchy of grids and the F- and V-cycles
  over it, and the solve loop;
- :mod:`.level`: one grid's operator (the Galerkin product R A P), its four-colour
  Gauss-Seidel smoother, restriction and prolongation of vectors;
- :mod:`.transfer`: Dendy's black-box interpolation P and restriction R;
- :mod:`.grid`: the layout every grid is stored in (four phases, flat, with a border);
- :mod:`.krylov`: GMRES over F-cycles, for frames where plain cycles crawl;
- :mod:`.convergence`: the stop test (an error estimate from the updates), the default
  tolerance and :class:`ConvergenceError`.
"""

from colorcore.solvers.multigrid.convergence import DEFAULT_TOL, ConvergenceError
from colorcore.solvers.multigrid.cycle import MultigridSolver
from colorcore.solvers.multigrid.solve import solve_multigrid

__all__ = ["DEFAULT_TOL", "ConvergenceError", "MultigridSolver", "solve_multigrid"]
