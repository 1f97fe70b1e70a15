"""Execute the site's notebooks in parallel, into the jupyter-cache that Jupyter Book reads.

    python book/_ext/buildcache.py _build/src                            # make book
    python book/_ext/buildcache.py _build/ch02/src --path-output _build/ch02  # make chapter N=02

``--path-output`` is jupyter-book's: the cache is its ``_build/.jupyter_cache``,
where Jupyter Book looks for it.

Jupyter Book runs with ``execute_notebooks: cache``: a notebook whose code is in
the cache is rendered from it, anything else is executed, one at a time. This
script runs first and fills the cache, executing every notebook of the source
tree that is not in it yet, ``--jobs`` at a time (default: the machine's cores),
so Jupyter Book finds each one there.

What a cached result is keyed on. jupyter-cache hashes a notebook's code cells
(source and metadata) and its ``kernelspec``, not its markdown: a change of
prose re-uses the outputs. Code also depends on what it imports, so before
anything is looked up each notebook's ``kernelspec`` gets ``convbook_inputs``,
a hash of every file of ``convlib`` (its Python, and the JavaScript and CSS
stored in widget states), of ``pyproject.toml`` and of the installed
distributions' versions. Any change to those re-executes every chapter; a
change to one chapter's code re-executes that chapter only.

Failures are never cached: a notebook that raises (or times out) is reported
with the failing cell and its traceback, and the script exits non-zero before
Jupyter Book starts. Only a complete, error-free execution enters the cache,
with the widget state nbclient stores in the notebook's metadata.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import importlib.metadata
import os
import pathlib
import signal
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
KEY = "convbook_inputs"


def inputs_hash(root: pathlib.Path = ROOT) -> str:
    """Hash of what every chapter's execution depends on besides its own code.

    Every file under ``convlib/`` (except byte code), ``pyproject.toml``, and the
    name and version of each installed distribution.
    """
    digest = hashlib.sha256()
    files = [p for p in sorted((root / "convlib").rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}]
    files.append(root / "pyproject.toml")
    for path in files:
        if path.exists():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()
                      if d.metadata["Name"])
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()[:16]


def stamp(path: pathlib.Path, key: str):  # -> nbformat.NotebookNode
    """Write ``key`` into the notebook's kernelspec (part of jupyter-cache's hash); return the notebook."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    spec = nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    if spec.get(KEY) != key:
        spec[KEY] = key
        nbformat.write(nb, path)
    return nb


class Stopped(SystemExit):
    """SIGTERM: the build was stopped."""


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise Stopped(128 + signum)


def _execute(path: str, timeout: int) -> tuple[str, float, str | None, str | None]:
    """Run one notebook in its own folder (as Jupyter Book would); return (notebook json, seconds, error, traceback)."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.read(path, as_version=4)
    result = single_nb_execution(nb, cwd=str(pathlib.Path(path).parent), timeout=timeout, allow_errors=False,
                                 meta_override=True, store_widget_state=True)
    error = type(result.err).__name__ if result.err is not None else None
    return nbformat.writes(result.nb), result.time, error, result.exc_string


def _timeout(config: pathlib.Path) -> int:
    import yaml

    data = yaml.safe_load(config.read_text()) if config.exists() else None
    return int(((data or {}).get("execute") or {}).get("timeout", 900))


def run(src: pathlib.Path, cache_path: pathlib.Path, jobs: int | None = None, root: pathlib.Path = ROOT) -> int:
    """Stamp, look up and execute the notebooks of ``src``; return the number of failed notebooks."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    key = inputs_hash(root)
    notebooks = sorted(src.rglob("*.ipynb"))
    notebooks = [p for p in notebooks if "_build" not in p.relative_to(src).parts]
    cache = get_cache(str(cache_path))
    # keep the current notebooks and a few older versions (a reverted edit is then free)
    cache.change_cache_limit(max(20, 3 * len(notebooks)))
    todo = []
    for path in notebooks:
        nb = stamp(path, key)
        try:
            record = cache.match_cache_notebook(nb)
        except KeyError:
            todo.append(path)
        else:
            print(f"cache: {path.relative_to(src)} is up to date (executed {record.created:%Y-%m-%d %H:%M} UTC)")
    if not todo:
        return 0
    timeout = _timeout(src / "_config.yml")
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    todo.sort(key=lambda p: p.stat().st_size, reverse=True)  # the longest first, roughly
    print(f"cache: executing {len(todo)} notebook(s), {jobs} at a time (convlib and environment: {key})", flush=True)
    failed = 0
    start = time.perf_counter()
    # Stopped (Ctrl-C, or SIGTERM: see main), the build stops its workers too: none is left running a kernel.
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=jobs)
    try:
        futures = {pool.submit(_execute, str(p), timeout): p for p in todo}
        retried: set[pathlib.Path] = set()
        while futures:
            done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
            future = done.pop()
            path = futures.pop(future)
            name = path.relative_to(src)
            try:
                text, seconds, error, trace = future.result()
            except Exception as exc:  # no cell ran to an error: the kernel died or could not start
                if path not in retried:  # once more (a loaded machine); a cell error is never retried
                    retried.add(path)
                    print(f"cache: {name}: {type(exc).__name__}: {exc}; executing it again", file=sys.stderr, flush=True)
                    futures[pool.submit(_execute, str(path), timeout)] = path
                    continue
                failed += 1
                print(f"cache: {name} could not be executed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                continue
            if error is not None:
                failed += 1
                print(f"cache: {name} FAILED ({error}) after {seconds:.1f} s; nothing cached.\n{trace}",
                      file=sys.stderr, flush=True)
                continue
            nb = nbformat.reads(text, as_version=4)
            cache.cache_notebook_bundle(CacheBundleIn(nb, str(path), data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            print(f"cache: {name} executed in {seconds:.1f} s", flush=True)
    except BaseException as stop:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()  # its kernel sees its parent gone and exits (ipykernel's parent poller)
        pool.shutdown(wait=False, cancel_futures=True)
        if isinstance(stop, (Stopped, KeyboardInterrupt)):
            # the pool's manager thread would wait at exit for workers that no longer answer
            print("cache: stopped; its workers were terminated", file=sys.stderr, flush=True)
            os._exit(stop.code if isinstance(stop, Stopped) else 130)
        raise
    pool.shutdown()
    print(f"cache: {len(todo) - failed} executed, {failed} failed, in {time.perf_counter() - start:.1f} s", flush=True)
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=pathlib.Path, help="the source tree that jupyter-book builds, e.g. _build/src")
    parser.add_argument("--path-output", type=pathlib.Path, default=pathlib.Path("."),
                        help="jupyter-book's --path-output; the cache is PATH_OUTPUT/_build/.jupyter_cache")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS") or 0) or None,
                        help="notebooks executed at once (default: $JOBS or the number of cores)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    cache = args.path_output / "_build" / ".jupyter_cache"
    failed = run(args.src, cache, args.jobs)
    if failed:
        print(f"cache: {failed} notebook(s) failed; the book is not built (see the traceback above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
