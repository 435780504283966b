"""The reviewer workbench: a FastAPI server over the results store (`cluster-intake web`)."""
