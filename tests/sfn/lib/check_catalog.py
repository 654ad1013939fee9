"""Reads a local copy of the lakehouse's bronze bucket with DuckDB, as an engine would: every
table of the Glue catalog in the template, over its Hive-style `dt=` partitions. Checks that each
table spans the days given, that its columns and types are those the catalog declares (so Athena
reads what the conversion writes), and prints each table's rows per day (a day holds what
changed that day) and a query across the days.

    python check_catalog.py BRONZE_DIR TEMPLATE FIRST_DAY...     exit 1 naming each mismatch
"""

import json
import os
import sys

import duckdb

from stacks import cfn

# DuckDB's name for each Glue (Hive) type the catalog uses.
DUCKDB_TYPE = {
    "string": {"VARCHAR"},
    "bigint": {"BIGINT"},
    "boolean": {"BOOLEAN"},
    "array<bigint>": {"BIGINT[]"},
    "timestamp": {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE"},
}


def tables(template):
    for resource in cfn.load(template)["Resources"].values():
        if resource["Type"] == "AWS::Glue::Table":
            table = resource["Properties"]["TableInput"]
            yield table["Name"], {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}


def main():
    bronze, template, days = sys.argv[1], sys.argv[2], sorted(sys.argv[3:])
    problems = []
    db = duckdb.connect()
    for name, declared in tables(template):
        files = os.path.join(bronze, "wordpress_api", name, "dt=*", "*.parquet")
        db.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{files}', hive_partitioning = true)")
        found = {row[0]: row[1] for row in db.execute(f"DESCRIBE {name}").fetchall() if row[0] != "dt"}
        for column, glue in declared.items():
            if column not in found:
                problems.append(f"{name}.{column}: in the catalog, not in the files")
            elif found[column] not in DUCKDB_TYPE[glue]:
                problems.append(f"{name}.{column}: the catalog says {glue}, the files hold {found[column]}")
        for column in found.keys() - declared.keys():
            problems.append(f"{name}.{column}: in the files, not in the catalog")
        per_day = db.execute(f"SELECT dt::VARCHAR, count(*) FROM {name} GROUP BY dt ORDER BY dt").fetchall()
        found_days = [day for day, _ in per_day]
        if not found_days or found_days[0] != days[0] or not set(found_days) <= set(days):
            problems.append(f"{name}: partitions {per_day}, expected the first of {days} and no others")
        print(f"{name}: {json.dumps(per_day)}")
    # A query across days: how many posts each day, and how many changed between them.
    print(db.execute("SELECT dt::VARCHAR, count(*), max(modified_gmt)::VARCHAR FROM posts GROUP BY dt ORDER BY dt").fetchall())
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
