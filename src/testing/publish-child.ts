// Publishes one bus message from a separate process (used by the cross-process bus test).
import { openDatabase } from '../db/client';

const [url, channel, payload] = process.argv.slice(2);
const database = await openDatabase({ databaseUrl: url, dataDir: '' });
await database.bus.publish(channel, payload);
await database.close();
console.log('published');
