"""System checks: the engine data files load, and every question template passes bias checks."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def check_engine_data(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Report a data file that does not load (engine.E001) or a biased template (engine.E002)."""
    from specs_app.engine.bank import get_bank
    from specs_app.engine.compatibility import get_matrix
    from specs_app.engine.quality import question_bias
    from specs_app.engine.vocabulary import get_vocabulary

    try:
        get_vocabulary()
        get_matrix()
        bank = get_bank()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="engine.E001")]
    errors = []
    for template in bank.templates:
        for text in (template.text, template.text_short, template.text_long):
            result = question_bias(text)
            if result.blocked:
                errors.append(
                    checks.Error(
                        f"Template {template.id} is biased (score {result.score:g}): {text!r}",
                        hint=f"Reword it; matches: {result.matches}",
                        id="engine.E002",
                    )
                )
    return errors
