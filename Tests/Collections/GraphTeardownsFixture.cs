// Each collection's graph stops while the next one boots; the assembly waits for the last one (see GraphTeardowns).
[assembly: AssemblyFixture(typeof(Replication.Tests.Kit.GraphTeardowns))]
