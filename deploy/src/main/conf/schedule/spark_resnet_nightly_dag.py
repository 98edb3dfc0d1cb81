"""Airflow DAG: the spark-resnet nightly training, quality gate and promotion, once a day for the DAG run's date.

Copy to the DAGs folder of an Airflow with apache-airflow-providers-apache-spark, on a worker that has the distribution
(RESNET_HOME) and a Spark 3.5.x client (the connection spark_default names the master, e.g. yarn).

Why SparkSubmitOperator does not call bin/resnet-submit itself: the provider runs only a binary named spark-submit,
spark2-submit or spark3-submit (ALLOWED_SPARK_BINARIES). So this DAG passes what bin/resnet-submit passes: the
application jar and the other jars of lib/, and the JVM flags of conf/jvm-flags for the driver and every executor.
Where BashOperator is allowed, the equivalent task is
    BashOperator(task_id="nightly", bash_command=RESNET_HOME + "/bin/resnet-submit --master yarn -- nightly ... --date {{ ds }}")
with the same retry rule (a BashOperator fails on any non-zero code; wrap it as below to retry only on 4).

Exit codes of 'resnet nightly': 0 done (promoted, or skipped: the date was complete); 4 temporary failure (storage or
cluster error, the date locked by a live run): Airflow retries; 1 bug, 2 bad usage, 3 bad data, 5 quality gate failed:
the task fails at once, without retries. Run the driver in client mode (the default here): in cluster mode the
driver's exit code does not reach spark-submit; read ROOT/runs/dt=DATE/summary.json instead.
"""
import glob
import os
import re
from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

RESNET_HOME = os.environ.get("RESNET_HOME", "/opt/spark-resnet")
NIGHTLY_ROOT = "hdfs:///ml/resnet-nightly"
TEMPORARY_FAILURE = 4

with open(os.path.join(RESNET_HOME, "conf", "jvm-flags")) as flags_file:
    JVM_FLAGS = flags_file.read().strip()
APPLICATION = sorted(glob.glob(os.path.join(RESNET_HOME, "lib", "jobs-*.jar")))[0]
OTHER_JARS = ",".join(j for j in sorted(glob.glob(os.path.join(RESNET_HOME, "lib", "*.jar"))) if j != APPLICATION)


class NightlySubmitOperator(SparkSubmitOperator):
    """Fails without retries unless spark-submit ended with the temporary-failure code."""

    def execute(self, context):
        try:
            return super().execute(context)
        except AirflowException as e:
            # SparkSubmitHook: "Cannot execute: <command>. Error code is: <code>."
            found = re.search(r"Error code is: (-?\d+)", str(e))
            code = int(found.group(1)) if found else None
            if code == TEMPORARY_FAILURE:
                raise  # retried by Airflow
            raise AirflowFailException(f"resnet nightly failed with exit code {code} "
                                       f"(1 bug, 2 bad usage, 3 bad data, 5 quality gate failed): {e}") from e


with DAG(
    dag_id="spark_resnet_nightly",
    schedule="30 2 * * *",
    start_date=datetime(2024, 5, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=15)},
) as dag:
    NightlySubmitOperator(
        task_id="nightly",
        conn_id="spark_default",
        application=APPLICATION,
        java_class="org.sparkresnet.jobs.cli.Main",
        jars=OTHER_JARS,
        name="resnet-nightly-{{ ds }}",
        num_executors=8,
        executor_cores=4,
        executor_memory="8g",
        conf={
            "spark.driver.extraJavaOptions": JVM_FLAGS,
            "spark.executor.extraJavaOptions": JVM_FLAGS,
            "spark.submit.deployMode": "client",
        },
        application_args=[
            "nightly", "--root", NIGHTLY_ROOT, "--date", "{{ ds }}",
            "--dataset", "folder", "--input", "hdfs:///data/photos", "--image-size", "224",
            "--model", "resnet50", "--epochs", "10", "--batch", "32",
            "--gate-tolerance", "0.01", "--keep", "14",
        ],
    )
