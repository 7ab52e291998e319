"""A hook: count the nodes that ran and log it when the pipeline finishes."""
import logging

from minikedro.framework.hooks import hook_impl

logger = logging.getLogger(__name__)


class RunSummaryHooks:
    def __init__(self):
        self.nodes_run = []

    @hook_impl
    def before_pipeline_run(self, run_params):
        self.nodes_run = []

    @hook_impl
    def after_node_run(self, node):
        self.nodes_run.append(node.name)

    @hook_impl
    def after_pipeline_run(self, run_params):
        logger.info("%d nodes ran in environment '%s'", len(self.nodes_run), run_params["env"])
