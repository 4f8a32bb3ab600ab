"""Pack a generation's files into a zip, reading them from the database in batches.

The archive is built in a SpooledTemporaryFile (memory up to a few MiB, then disk), so a large
generation never sits in memory whole. Entries carry a fixed date, so the same files always
give the same bytes.
"""

import tempfile
import zipfile

from specs_app.models import GeneratedFile, GeneratedProject

SPOOL_MAX_BYTES = 8 * 1024 * 1024
READ_BATCH_SIZE = 200
# Zip timestamps start in 1980; a fixed one keeps the archive reproducible.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
EXECUTABLES = frozenset({"manage.py"})


def archive_name(generation: GeneratedProject, project_name: str) -> str:
    from .text import kebab

    return f"{kebab(project_name, fallback='project')}-v{generation.generation_version}.zip"


def generation_archive(*, generation: GeneratedProject):
    """Return a file object (at position 0) holding the zip of the generation's files."""
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)
    files = (
        GeneratedFile.objects.filter(generated_project=generation)
        .order_by("file_path")
        .values_list("file_path", "file_content")
    )
    with zipfile.ZipFile(spooled, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content in files.iterator(chunk_size=READ_BATCH_SIZE):
            info = zipfile.ZipInfo(path, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if path in EXECUTABLES else 0o644
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, content.encode("utf-8"))
    spooled.seek(0)
    return spooled
