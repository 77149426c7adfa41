"""How long the emulator takes for the two waits of a stack update that take AWS minutes: a
CloudFront distribution's deployment (also of a change made through CloudFront's API,
cloudfront.py), and the monitoring period of the update's rollback triggers.

server.py reads them from the environment (configure); the launcher sets them from its `timing`
option. The defaults keep the tests quick: a short deployment, and no monitoring period.
"""
import math

DEPLOYMENT_VARIABLE = "EMULATOR_DEPLOYMENT_SECONDS"
MONITORING_VARIABLE = "EMULATOR_MONITORING_SECONDS"

# Seconds a change of a distribution takes to reach Deployed (AWS: minutes, aws-facts.md).
deployment_seconds = 0.3
# Seconds an update whose RollbackConfiguration has MonitoringTimeInMinutes > 0 monitors for,
# whatever that number of minutes (AWS: that many minutes).
monitoring_seconds = 0.0


def configure(environ) -> None:
    """The settings from `environ`; a variable that is unset or empty keeps its default. Raises
    ValueError, naming the variable, for a value that is not a number of seconds (0 or more)."""
    global deployment_seconds, monitoring_seconds
    deployment_seconds = _seconds(environ, DEPLOYMENT_VARIABLE, deployment_seconds)
    monitoring_seconds = _seconds(environ, MONITORING_VARIABLE, monitoring_seconds)


def _seconds(environ, name: str, default: float) -> float:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number of seconds, 0 or more; it is {text!r}.")
    return value

