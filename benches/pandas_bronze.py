"""The seed's bronze conversion, as awswrangler runs it on a Lambda: pandas.read_json on the raw
object, then DataFrame.to_parquet with pyarrow (awswrangler's defaults: snappy, no index), on
local files instead of S3. Prints rows, columns and the seconds from read to written.

    python pandas_bronze.py INPUT.json OUTPUT.parquet
"""

import sys
import time

import pandas as pd


def main():
    source, target = sys.argv[1:]
    start = time.perf_counter()
    df = pd.read_json(source)
    df.to_parquet(target, engine="pyarrow", compression="snappy", index=False)
    print(len(df), len(df.columns), f"{time.perf_counter() - start:.3f}")


if __name__ == "__main__":
    main()
