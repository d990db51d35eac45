"""Static files in production (DEBUG off): whitenoise's hashed and compressed files.

``collectstatic`` writes each file under a content-hashed name plus its ``.gz`` variant, and
whitenoise serves them with a far-future cache header. The only change to whitenoise's storage:
a file that is not there at all — Bootstrap when npm was not available (see the README) — keeps its
plain URL (then a 404) instead of failing every page that links to it, as in the embedded default.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # neither in the manifest nor on disk
            return name
