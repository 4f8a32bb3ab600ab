"""Phase 5, step 7: keep passage vectors inside their table row, not in the TOAST table.

pgvector stores `vector` with STORAGE EXTERNAL, and PostgreSQL moves attributes out of line
once a row passes ~2 kB. A passage row is its text, its tsvector and a 1,544-byte vector: most
rows passed that mark, so the vector (the largest attribute) went to the TOAST table, and every
distance the search computes from the heap (an exact scan of a filtered project, the re-check
of each row an HNSW scan returns) paid a TOAST index lookup and a second page. Measured on the
same 14,550 vectors filtered to 2,052 rows: exact top-10 p50 5.44 ms with the vectors out of
line, 1.07 ms inline.

toast_tuple_target = 8160 (the largest allowed) lets a row stay whole up to a full page; only a
row over that (a passage of very long "words") still has its largest attribute moved out. A
reloption: no table rewrite, a SHARE UPDATE EXCLUSIVE lock (reads and writes go on). It
applies to rows written from now on; rows written before keep their vectors out of line until
their document is embedded again (the search is right either way, only slower on them).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("knowledge_app", "0006_passage_embedding_hnsw_index")]

    operations = [
        migrations.RunSQL(
            sql="ALTER TABLE knowledge_passages SET (toast_tuple_target = 8160)",
            reverse_sql="ALTER TABLE knowledge_passages RESET (toast_tuple_target)",
        ),
    ]
