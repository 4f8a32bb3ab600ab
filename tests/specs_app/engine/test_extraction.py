"""Answers become specifications offline: technologies with versions, quantities, the rest."""

from specs_app.engine.extraction import extract_specifications


def extract(answer, own_key=("goals", "problem_statement"), category="goals"):
    return {
        f"{s.category}.{s.key}": s
        for s in extract_specifications(answer, own_key=own_key, category=category)
    }


def test_a_database_with_its_version_fills_the_database_key():
    specs = extract("PostgreSQL 16", own_key=("tech_stack", "database"), category="tech_stack")

    assert list(specs) == ["tech_stack.database"]
    assert specs["tech_stack.database"].value == "postgresql 16"
    assert specs["tech_stack.database"].metadata["technology"] == "postgresql"
    assert specs["tech_stack.database"].metadata["version"] == "16"


def test_framework_on_language_fills_both_keys_and_nothing_else():
    specs = extract(
        "Django 5.2 on Python 3.12", own_key=("tech_stack", "framework"), category="tech_stack"
    )

    assert {k: s.value for k, s in specs.items()} == {
        "tech_stack.framework": "django 5.2",
        "tech_stack.language": "python 3.12",
    }
    # The whole answer is kept with each specification it produced.
    assert specs["tech_stack.language"].content == "Django 5.2 on Python 3.12"


def test_quantities_are_mapped_by_the_words_around_them():
    specs = extract(
        "We need p95 latency under 200 ms, and 99.9% uptime. Keep logs for 90 days and "
        "backups for 1 year; we can lose at most 15 minutes of data and must be back "
        "within 4 hours. 500 GB of data at launch, 2 GB of memory per worker.",
        own_key=("performance", "response_time"),
        category="performance",
    )

    values = {k: s.value for k, s in specs.items()}
    assert values["performance.response_time"] == "200 ms"
    assert values["scalability.availability"] == "99.9%"
    assert values["data_retention.log_retention"] == "90 days"
    assert values["data_retention.backup_retention"] == "1 year"
    assert values["disaster_recovery.rpo"] == "15 minutes"
    assert values["disaster_recovery.rto"] == "4 hours"
    assert values["scalability.data_volume"] == "500 GB"
    assert values["performance.memory_limit"] == "2 GB"
    latency = specs["performance.response_time"].metadata
    assert latency["base_value"] == 0.2
    assert latency["comparator"] == "max"
    assert latency["unit"] == "ms"


def test_a_quantity_without_telling_words_falls_back_to_the_questions_category():
    specs = extract("85%", own_key=("testing", "min_coverage"), category="testing")

    assert {k: s.value for k, s in specs.items()} == {"testing.min_coverage": "85%"}


def test_the_rest_of_the_answer_fills_the_templates_own_key():
    answer = "Small clinics lose track of appointments; we will build it with Django 5.2."
    specs = extract(answer)

    assert specs["tech_stack.framework"].value == "django 5.2"
    rest = specs["goals.problem_statement"]
    assert rest.value == "Small clinics lose track of appointments; we will build it."
    assert rest.content == answer
    assert rest.metadata == {"origin": "answer"}


def test_a_rejected_technology_fills_nothing_and_is_noted():
    specs = extract("PostgreSQL, not MongoDB", own_key=("tech_stack", "database"))

    assert specs["tech_stack.database"].value == "postgresql"
    assert len(specs) == 1

    specs = extract("We won't use MongoDB at all.")
    assert list(specs) == ["goals.problem_statement"]
    assert specs["goals.problem_statement"].metadata["rejected"] == ["mongodb"]


def test_version_numbers_are_not_read_as_quantities_and_sizes_not_as_versions():
    specs = extract("Postgres 500 GB of data", own_key=("scalability", "data_volume"))

    assert specs["tech_stack.database"].value == "postgresql"
    assert specs["scalability.data_volume"].value == "500 GB"


def test_a_key_mentioned_twice_keeps_the_first_value_and_lists_the_others():
    specs = extract("React 18 or Vue 3", own_key=("tech_stack", "frontend_framework"))

    frontend = specs["tech_stack.frontend_framework"]
    assert frontend.value == "react 18"
    assert frontend.metadata["also_mentioned"] == ["vue 3"]


def test_an_answer_of_filler_words_around_technologies_adds_no_own_specification():
    specs = extract(
        "pgvector 0.4 with HNSW indexes and Redis 7",
        own_key=("tech_stack", "supporting_services"),
        category="tech_stack",
    )

    assert {k: s.value for k, s in specs.items()} == {
        "tech_stack.database_extension": "pgvector 0.4",
        "tech_stack.vector_index": "hnsw",
        "tech_stack.cache": "redis 7",
    }


def test_stored_values_are_read_back_as_their_technology():
    from specs_app.engine.vocabulary import get_vocabulary

    vocabulary = get_vocabulary()
    # "React" is matched with its case in free text ("react quickly" is no framework), but a
    # stored value is the extractor's lowercase form.
    assert vocabulary.find_technologies("The team must react quickly") == []
    assert vocabulary.technology_of_value("react 18").value == "react 18"
    assert vocabulary.technology_of_value("We picked PostgreSQL 16").value == "postgresql 16"
    assert vocabulary.technology_of_value("Not MongoDB") is None
