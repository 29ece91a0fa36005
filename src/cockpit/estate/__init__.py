"""The emulated estate: the runbooks' AWS account, Kubernetes cluster and HTTP endpoints,
running on loopback (moto's server, kmock's KubernetesEmulator, aiohttp), driven by
scenario files. Used by ``cockpit demo``, drills, tabletop exercises and the tests.
"""
