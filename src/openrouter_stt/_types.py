"""The inputs :meth:`OpenRouterSTT.transcribe` accepts, defined once."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Final, Literal, TypeAlias, TypedDict, get_args

import httpx

from ._url import AudioURL

if TYPE_CHECKING:
    from openrouter_stt_models import STTTimestampGranularity

    from ._config import NotGiven
    from .formats import AudioFormat

__all__ = [
    "ACCEPTED_AUDIO_TYPES",
    "UPLOAD_FORMS",
    "AudioInput",
    "DataCollection",
    "FileContent",
    "PathInput",
    "TimeoutTypes",
    "TranscribeOptions",
    "UploadForm",
]

#: A path to an audio file.
PathInput: TypeAlias = str | os.PathLike[str]
#: Audio already in memory, or a file object opened in binary mode (``open(path, "rb")``,
#: :class:`io.BytesIO`); a name on the file object is optional.
FileContent: TypeAlias = bytes | bytearray | memoryview | IO[bytes]
#: Everything ``transcribe`` accepts as ``audio``: a file's contents or path, or an
#: :class:`AudioURL` the provider downloads (a string is always a path, never a URL).
AudioInput: TypeAlias = PathInput | FileContent | AudioURL

#: How the accepted types read in an error message.
ACCEPTED_AUDIO_TYPES: Final = (
    "a path (str or os.PathLike), bytes, bytearray, memoryview, "
    "a binary file object (open(path, 'rb'), io.BytesIO), or an AudioURL"
)

#: ``provider.data_collection``: ``"deny"`` routes only to providers that keep no user data.
DataCollection: TypeAlias = Literal["allow", "deny"]

#: A timeout: per phase as an :class:`httpx.Timeout`, one number of seconds for every phase, or
#: ``None`` for none at all.
TimeoutTypes: TypeAlias = float | httpx.Timeout | None

#: How the audio goes up: ``"json"`` (base64 inside a JSON body, any size, every field),
#: ``"multipart"`` (multipart/form-data, the audio as it is, at most 25 MB),
#: or ``"auto"``: multipart when it can carry the request, else JSON.
UploadForm: TypeAlias = Literal["auto", "json", "multipart"]
UPLOAD_FORMS: Final[tuple[UploadForm, ...]] = get_args(UploadForm)


class TranscribeOptions(TypedDict, total=False):
    """The keyword arguments of ``transcribe`` besides ``model`` and ``response_format``, declared
    once for both clients and both result types; :meth:`OpenRouterSTT.transcribe` documents
    them. Every one may be left out."""

    language: str | None
    temperature: float | None
    timestamp_granularities: Sequence[STTTimestampGranularity] | None
    format: AudioFormat | None
    diarize: bool | None
    keyterms: Sequence[str] | None
    session_id: str | None
    trace: Mapping[str, object] | None
    user: str | None
    provider_options: Mapping[str, Mapping[str, Any]] | None
    provider_zdr: bool | None
    provider_data_collection: DataCollection | None
    upload: UploadForm
    timeout: TimeoutTypes | NotGiven
    max_retries: int | NotGiven
    extra_headers: Mapping[str, str] | None
    extra_query: Mapping[str, str] | None
    extra_body: Mapping[str, object] | None
