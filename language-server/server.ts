// Entry point of the Stylus ML language server. Started by the extension with vscode-languageclient
// over IPC (`--node-ipc`; stdio and sockets also work), using VS Code's own Node (process.execPath).

import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { setupServer } from './setup';

const connection = createConnection(ProposedFeatures.all);
setupServer(connection);
connection.listen();
