"""Engine writes: ask the next question, take an answer, check quality, gates and compatibility.

Every specification write, whatever its entry point, goes through specs_app.services, which
calls ``post_write_check`` (registered in SpecsAppConfig.ready()): a specification that
conflicts is kept but not current, its conflicts are stored open, and the version it would
have superseded stays current until the conflict is resolved. When the tech stack changes the
compatibility matrix is evaluated again; the project's maturity follows every write.
"""

from specs_app.engine.services.answers import (
    AnswerOutcome,
    answer_submit,
    user_role,
)
from specs_app.engine.services.metrics import (
    DEFAULT_ANSWER_CONFIDENCE,
    FREE_QUESTION_KEY,
    ProjectQuality,
    maturity_refresh,
    metric_record,
)
from specs_app.engine.services.questions import (
    AskedQuestion,
    next_question,
    question_ask,
    question_bias_check,
)
from specs_app.engine.services.readiness import (
    PhaseAdvance,
    compatibility_run,
    phase_advance,
    project_edit,
    readiness_assess,
)
from specs_app.engine.services.writes import (
    post_resolve_check,
    post_write_check,
)

__all__ = [
    "AnswerOutcome",
    "AskedQuestion",
    "DEFAULT_ANSWER_CONFIDENCE",
    "FREE_QUESTION_KEY",
    "PhaseAdvance",
    "ProjectQuality",
    "answer_submit",
    "compatibility_run",
    "maturity_refresh",
    "metric_record",
    "next_question",
    "phase_advance",
    "project_edit",
    "post_resolve_check",
    "post_write_check",
    "question_ask",
    "question_bias_check",
    "readiness_assess",
    "user_role",
]
