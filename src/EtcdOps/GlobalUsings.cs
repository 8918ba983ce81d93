// Core's namespaces follow its folders; every project sees them all, as one library.
global using EtcdOps.Api;
global using EtcdOps.Cluster;
global using EtcdOps.Common;
global using EtcdOps.Config;
global using EtcdOps.Deploy;
global using EtcdOps.Findings;
global using EtcdOps.Maintenance;
global using EtcdOps.Pki;
global using EtcdOps.Release;
global using EtcdOps.Remote;
global using EtcdOps.Snapshot;
