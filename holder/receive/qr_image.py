"""QR codes in a photo or screenshot the learner uploads: read by ``shared.qr_image``."""

from shared.qr_image import MAX_IMAGE_BYTES, NO_QR_CODE, read_qr_codes

__all__ = ["MAX_IMAGE_BYTES", "NO_QR_CODE", "read_qr_codes"]
