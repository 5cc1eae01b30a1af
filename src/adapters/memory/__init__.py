"""In-memory fakes of every port, shipped with the package so library users can test their own
code against them. Each one passes the same contract suite as the real adapter
(`tests/contract/`), which is what makes it trustworthy. One module per port group (as in
`proofdesk.core.ports`); every fake is importable from here.
"""

from proofdesk.adapters.memory.captioning import InMemoryAnswerCache
from proofdesk.adapters.memory.files import (
    FakeExifReader,
    FakeImageInspector,
    FakeSetScanner,
    InMemoryFileStore,
)
from proofdesk.adapters.memory.media import (
    FakeAestheticScorer,
    FakeClassifier,
    FakeFrameAnalyzer,
    FakeImageProcessor,
    FakeQualityScorer,
)
from proofdesk.adapters.memory.places import FixedTimeZones, InMemoryGazetteer
from proofdesk.adapters.memory.publishing import FakeMetadataWriter, InMemoryGallery, InMemoryUploader
from proofdesk.adapters.memory.review import FakeSpellchecker, ScriptedReviewer
from proofdesk.adapters.memory.storage import InMemoryQueueLock, InMemoryQueueStore, InMemoryUnitOfWork
from proofdesk.adapters.memory.system import FixedClock, RecordingReporter
from proofdesk.adapters.memory.work_queue import InMemoryWorkQueue

__all__ = [
    "FakeAestheticScorer",
    "FakeClassifier",
    "FakeExifReader",
    "FakeFrameAnalyzer",
    "FakeImageInspector",
    "FakeImageProcessor",
    "FakeMetadataWriter",
    "FakeQualityScorer",
    "FakeSetScanner",
    "FakeSpellchecker",
    "FixedClock",
    "FixedTimeZones",
    "InMemoryAnswerCache",
    "InMemoryFileStore",
    "InMemoryGallery",
    "InMemoryGazetteer",
    "InMemoryQueueLock",
    "InMemoryQueueStore",
    "InMemoryUnitOfWork",
    "InMemoryUploader",
    "InMemoryWorkQueue",
    "RecordingReporter",
    "ScriptedReviewer",
]
