"""Customer names sort in Ukrainian alphabet order (see customers.words.sort_key): the stored
sort keys are recomputed, and on PostgreSQL the column compares bytes like SQLite does."""

NAME = "name_order"

STATEMENTS: list[str] = []

POSTGRESQL = [
    'ALTER TABLE "customer" ALTER COLUMN "name_sort" TYPE VARCHAR(200) COLLATE "C"',
]

BATCH = 5000


def run(db) -> None:
    """Recompute every card's sort key, in batches of ids."""
    from torgtui.customers.words import sort_key

    param = db.param
    last = 0
    while True:
        rows = db.execute_sql(
            f'SELECT "id", "name" FROM "customer" WHERE "id" > {param} ORDER BY "id" LIMIT {BATCH}',
            (last,),
        ).fetchall()
        if not rows:
            return
        for customer_id, name in rows:
            db.execute_sql(
                f'UPDATE "customer" SET "name_sort" = {param} WHERE "id" = {param}',
                (sort_key(name), customer_id),
            )
        last = rows[-1][0]
