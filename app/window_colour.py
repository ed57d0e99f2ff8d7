"""The main window's colour commands: propagation (all, or one shot), export, and the
per-shot grade. A mixin of :class:`keyhue.window.MainWindow`; the work runs on
:class:`keyhue.workers.Worker`, the state lives in the window's Session."""

from __future__ import annotations

import copy

from colorcore.grade import apply_grade, grade_for
from colorcore.media.leftovers import sweep_leftovers
from colorcore.render import project_frames
from keyhue import propagation
from keyhue.dialogs import show_problem
from keyhue.export_dialog import ExportDialog, workers_setting
from keyhue.export_job import ExportJob, ExportProgressDialog, FarmExportJob
from keyhue.propagation import FrameDone, propagate_runs, propagate_runs_on_workers
from keyhue.result_cache import ResultCache
from keyhue.timeline import FrameState
from keyhue.workers import Worker

#: Frames either side of the current one kept from the previous propagation, for compare.
COMPARE_REACH = 12


class ColourCommands:
    """Methods of MainWindow (see the module docstring)."""

    _propagating_on = 1  # local workers of the running propagation (1: this process)

    def _guided_project(self, title: str, text: str, advice: str):
        """The open project when a background colour job may start on it: none running and
        some guidance given (else the problem is shown with ``title``, ``text``, ``advice``).
        None when it may not."""
        if self.document is None or self.worker is not None:
            return None
        project = self.document.project
        if not project.keyframes() and not project.exemplars:
            show_problem(self, title, text, advice)
            return None
        return project

    def propagate(self, frames: range | None = None) -> bool:
        """Colour the frames that are not propagated (pending or stale; within ``frames``
        when given) in the background; frames appear as they finish."""
        project = self._guided_project(
            "Nothing to propagate",
            "No frame has strokes or a reference yet.",
            "Paint a keyframe or give a reference first.",
        )
        if project is None:
            return False
        runs = self.session.runs_to_propagate()
        if frames is not None:
            runs = [range(max(r.start, frames.start), min(r.stop, frames.stop)) for r in runs]
            runs = [r for r in runs if len(r)]
        if not runs:
            self.statusBar().showMessage("Every frame is propagated and up to date", 5000)
            return False
        # For "compare with the previous propagation": the frames around the current one
        # that are about to be recomputed (bounded: read from the cache, not the whole film).
        self.previous_results = {}
        for frame in range(max(0, self.frame - COMPARE_REACH), self.frame + COMPARE_REACH + 1):
            if frame in self.results and any(frame in r for r in runs):
                rgb = self.results.get(frame)
                if rgb is not None:
                    self.previous_results[frame] = rgb
        total = sum(len(r) for r in runs)
        workers = self._propagation_workers(project, total)
        job, extra = (propagate_runs_on_workers, (workers,)) if workers > 1 else (propagate_runs, ())
        self._propagating_on = workers
        worker = Worker(
            job,
            project,
            self.clip,
            runs,
            self.results,
            self.guidance_version,
            *extra,
            name="propagation",
            parent=self,
        )
        worker.result.connect(self._frame_propagated)
        worker.progressed.connect(self._propagation_progress)
        worker.warning.connect(self.report_warning)
        worker.ended.connect(self._propagation_done)
        self.worker = worker
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        on = f" on {workers} local workers (starting them takes a few seconds)" if workers > 1 else ""
        self.statusBar().showMessage(f"Propagating {total} frames{on}…")
        self._update_enabled()
        worker.start()
        return True

    def _propagation_workers(self, project, frames: int) -> int:
        """Local workers for propagating ``frames`` frames: the Workers setting from
        FARM_MIN_FRAMES frames on; 1 (this process) below, or without Ray, or for a
        project the farm cannot render as this process does (one line says which)."""
        workers = workers_setting(self.settings)
        if workers <= 1 or frames < propagation.FARM_MIN_FRAMES:
            return 1
        reason = self._why_not_on_workers(project)
        if reason is not None:
            self.report_warning(f"propagating in this process, not on {workers} workers: {reason}")
            return 1
        return workers

    def _why_not_on_workers(self, project) -> str | None:
        """Why a job on ``project`` cannot run on local workers now (one line), or None.
        One job at a time uses them: a job's local cluster is shut down when it ends, which
        would cut off another job sharing it."""
        from colorcore.farm import INSTALL_HINT, farm_limit, ray_available

        if not ray_available():
            return INSTALL_HINT
        if isinstance(self.export_job, FarmExportJob):
            return "the local workers are busy with an export"
        if self.worker is not None and self._propagating_on > 1:
            return "the local workers are busy with a propagation"
        return farm_limit(project.settings)

    def propagate_shot(self, start: int | None = None) -> bool:
        """Propagate only the shot starting at ``start`` (the current shot when None)."""
        if self.document is None:
            return False
        shot = self.session.shot_range(self.frame if start is None else start)
        return self.propagate(range(*shot))

    def export_shot(self, start: int) -> bool:
        """The export dialog for the shot starting at ``start``."""
        if self.document is None:
            return False
        return self.export(range(*self.session.shot_range(start)))

    def cancel_propagation(self) -> None:
        """Stop a running propagation (frames already done are kept)."""
        if self.worker is not None:
            self.worker.cancel()

    def learn_film(self) -> bool:
        """Adapt the deep network to this film in the background, with the progress bar and
        cancel; afterwards the project renders with the deep solver and the adapted network."""
        from colorcore.solvers.deep.adapt import DEFAULT_STEPS
        from keyhue.learn_film import learn_film

        project = self._guided_project(
            "Nothing to learn from",
            "No frame has strokes or a reference yet, and there is no exemplar.",
            "Colour a keyframe or give a reference first.",
        )
        if project is None:
            return False
        steps = int(project.settings.get("adapt") or DEFAULT_STEPS)
        worker = Worker(learn_film, project, self.clip, steps, name="learning", parent=self)
        summary: dict[str, str] = {}
        worker.progressed.connect(self._propagation_progress)
        worker.warning.connect(self.report_warning)
        worker.finished.connect(lambda text: summary.update(text=text))
        worker.ended.connect(lambda: self._learning_done(steps, summary.get("text", "")))
        self.worker, self._propagating_on = worker, 1
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.statusBar().showMessage("Learning this film…")
        self._update_enabled()
        worker.start()
        return True

    def _learning_done(self, steps: int, summary: str) -> None:
        worker, self.worker = self.worker, None
        if worker is None:
            return
        worker.wait()
        outcome = worker.outcome
        worker.deleteLater()
        self.progress.hide()
        self.cancel_button.hide()
        if outcome == "finished":
            self.document.set_setting("solver", "deep")
            self.document.set_setting("adapt", steps)
        self._update_enabled()
        if outcome == "failed":
            message, details = worker.failure
            self.report_failure("Learning failed", message, details, "The project is unchanged.")
        texts = {
            "finished": f"Learned this film: {summary}",
            "cancelled": "Learning cancelled",
            "failed": "Learning failed",
        }
        self.statusBar().showMessage(texts.get(outcome, ""), 8000)

    def _propagation_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _frame_propagated(self, item: FrameDone) -> None:
        current = item.version == self.guidance_version
        self.session.frame_propagated(item.frame, current)
        self.timeline.invalidate_thumbnails([item.frame])
        self.quality.set_values(item.frame, item.colourfulness, item.change)
        if item.frame == self.frame and item.frame not in self.previews:
            self.canvas.set_colour(self._colour_image(item.frame))
            self._update_scopes()
            self._update_compare()

    def _propagation_done(self) -> None:
        worker, self.worker = self.worker, None
        self._propagating_on = 1
        if worker is None:
            return
        worker.wait()
        outcome = worker.outcome
        worker.deleteLater()
        self.progress.hide()
        self.cancel_button.hide()
        self._update_enabled()
        self.session.save_index()
        if outcome == "failed":
            message, details = worker.failure
            self.report_failure(
                "Propagation failed",
                message,
                details,
                "Your strokes and references are unchanged; fix the problem and propagate again.",
            )
        texts = {
            "finished": "Propagation finished",
            "cancelled": "Propagation cancelled; finished frames are kept",
            "failed": "Propagation failed",
        }
        self.statusBar().showMessage(texts.get(outcome, ""), 8000)

    def export(self, frames: range | None = None) -> bool:
        """Ask for export settings (the dialog remembers the last ones) and export in the
        background with a progress dialog."""
        if self.document is None or self.export_job is not None:
            return False
        project = self.document.project
        base = (
            project.path.with_suffix("") if project.path else self.clip.path.with_name(self.clip.path.stem + "-colour")
        )
        dialog = ExportDialog(
            self,
            len(self.clip),
            self.clip.fps,
            self.clip.has_audio,
            str(base) + ".mkv",
            source_path=self.clip.path,
            frame_size=(self.clip.width, self.clip.height),
            settings=self.settings,
        )
        if frames is not None:
            dialog.set_range(frames.start, frames.stop)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return False
        return self.start_export(dialog.settings())

    def start_export(self, settings) -> bool:
        """Export with ``settings`` (an ExportSettings) in the background.

        With ``settings.workers`` > 1 the farm renders it on that many local worker
        processes (:class:`keyhue.export_job.FarmExportJob`); without Ray, or for a project
        the farm cannot render as this process does, it renders here and one line says why.
        Frames already propagated for the current guidance are written from the cache (they
        are what the render would give): in this process, the others are rendered on the
        way; on workers, the farm renders only the units (runs between keyframes) not all
        propagated. When every frame is propagated there is nothing for workers to render,
        so the export stays in this process whatever the setting."""
        sweep_leftovers([settings.path.parent], temp=False)  # partial exports of a killed Keyhue
        snapshot = copy.deepcopy(self.document.project)
        ready = {f for f in self.session.frames_in(FrameState.PROPAGATED) if f in settings.frames}
        if settings.workers > 1 and len(ready) < len(settings.frames):
            reason = self._why_not_on_workers(snapshot)
            if reason is None:
                from colorcore.farm.job import CachedFrames

                cached = CachedFrames(frozenset(f for f in ready if f in self.results), self.results.get)
                self.export_job = FarmExportJob(settings, snapshot, settings.workers, cached)
                return self._run_export()
            self.report_warning(f"exporting in this process, not on {settings.workers} workers: {reason}")
        clip = self.clip
        results = self.results

        def frames(span, progress, cancel):
            return _frames_reusing_cache(snapshot, clip, span, progress, cancel, ready, results)

        self.export_job = ExportJob(settings, clip, frames)
        return self._run_export()

    def _run_export(self) -> bool:
        assert self.export_job is not None
        self.export_dialog = ExportProgressDialog(self.export_job, self)
        for signal in (self.export_job.finished, self.export_job.failed, self.export_job.cancelled):
            signal.connect(self._export_done)
        self.export_job.warning.connect(self.report_warning)
        self.export_job.finished.connect(lambda path: self.statusBar().showMessage(f"Exported {path}", 10000))
        self.export_job.start()
        self.export_dialog.show()
        return True

    def _export_done(self, *_args) -> None:
        job, self.export_job = self.export_job, None
        if job is not None:
            job.wait()

    def _show_grade(self) -> None:
        if self.document is None:
            return
        start, stop = self.session.shot_range(self.frame)
        grade = self.document.grade_of(start, stop)
        self.grade_panel.show_grade(
            f"Shot frames {start}–{stop - 1}",
            grade.saturation if grade else 1.0,
            grade.hue if grade else 0.0,
        )

    def _grade_edited(self, saturation: float, hue: float) -> None:
        if self.document is not None:
            start, stop = self.session.shot_range(self.frame)
            self.document.set_grade(start, stop, saturation, hue)

    def _grade_changed(self, start: int, stop: int) -> None:
        """A shot's grade changed: redraw what shows its frames (nothing is propagated again)."""
        if start <= self.frame < stop:
            self.canvas.set_colour(self._colour_image(self.frame))
            self._update_scopes()
            self._show_grade()
        self.timeline.invalidate_thumbnails(list(range(start, stop)))


def _frames_reusing_cache(project, clip, span, progress, cancel, ready: set[int], results: ResultCache):
    """``project_frames`` over ``span`` (graded), except that frames in ``ready``
    (propagated for the current guidance) come from ``results`` and are graded here by
    the same function: the same pixels, without solving again.
    Runs of frames not ready are rendered by the engine (one code path with the CLI)."""
    from colorcore.errors import CancelledError

    done = 0
    total = max(len(span), 1)
    index = span.start
    while index < span.stop:
        if index in ready:
            rgb = results.get(index)
            if rgb is not None:
                if cancel():
                    raise CancelledError("export cancelled")
                # The cache holds ungraded frames; the grade is the engine's function.
                yield index, apply_grade(rgb, grade_for(project.grades, index))
                done += 1
                progress(done / total)
                index += 1
                continue
        stop = index + 1
        while stop < span.stop and stop not in ready:
            stop += 1
        base = done
        for i, rgb in project_frames(
            project, clip, range(index, stop), lambda f, b=base, n=stop - index: progress((b + f * n) / total), cancel
        ):
            yield i, rgb
            done += 1
        index = stop
