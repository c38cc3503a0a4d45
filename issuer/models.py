"""The issuer's tables."""

from sqlalchemy.orm import DeclarativeBase

from shared.crypto.key_record import KeyRecordMixin
from shared.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class StoredKey(KeyRecordMixin, Base):
    __tablename__ = "keys"
