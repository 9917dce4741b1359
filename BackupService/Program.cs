// primaryservice and backupservice run the same host; see UsersApi/UsersServiceHost.cs.
Replication.UsersApi.UsersServiceHost.Build(args).Run();
