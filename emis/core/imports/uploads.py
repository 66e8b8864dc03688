"""An upload handler that refuses to store a file larger than the import limit.

Django would otherwise write any upload to a temporary file before a view (or the CSRF check, which reads
the form) sees it. This handler runs first: a file part of an over-long request, or one that grows past
the limit while arriving, is skipped, so its bytes are read off the wire but never kept in memory or on disk.
The form fields around it are still parsed; the view then answers with a Chinese message.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

MB = 1024 * 1024


class LimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803 (Django's name)
        self.limit = settings.EMIS_IMPORT_MAX_UPLOAD_MB * MB
        # Form fields and multipart boundaries add a little to the body.
        self.too_large = (content_length or 0) > self.limit + 64 * 1024

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.too_large:
            raise SkipFile

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
