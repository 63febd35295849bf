// The private Docker engine's only DNS server: answers every question "no such name" (NXDOMAIN),
// on the gateway of kind's network. Docker's embedded DNS forwards the names it does not know here, so a
// kind node's lookup of a registry ends at once in "no such host", as on a node where that
// registry does not resolve, and no query leaves this machine.
//   node nxdomain-dns.mjs ADDRESS   (port 53, UDP and TCP)
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { Buffer } from 'node:buffer'

const address = process.argv[2]
if (!/^\d+\.\d+\.\d+\.\d+$/.test(address ?? '')) {
  console.error('usage: nxdomain-dns.mjs IPV4-ADDRESS')
  process.exit(2)
}

/** The answer to one query: its id and question, flags QR RA and RD as asked, RCODE 3. */
function nxdomain(query) {
  if (query.length < 12) return undefined
  let end = 12
  while (end < query.length && query[end] !== 0) end += query[end] + 1
  end += 5 // the root label, QTYPE, QCLASS
  if (end > query.length) return undefined
  const answer = Buffer.from(query.subarray(0, end))
  answer[2] = 0x80 | (query[2] & 0x79) // QR, the query's opcode and RD
  answer[3] = 0x83 // RA, NXDOMAIN
  answer.writeUInt16BE(1, 4)
  answer.fill(0, 6, 12)
  return answer
}

const udp = createSocket('udp4')
udp.on('message', (msg, peer) => {
  const answer = nxdomain(msg)
  if (answer) udp.send(answer, peer.port, peer.address)
})
udp.bind(53, address)

createServer((socket) => {
  let buffered = Buffer.alloc(0)
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk])
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const answer = nxdomain(buffered.subarray(2, 2 + buffered.readUInt16BE(0)))
      buffered = buffered.subarray(2 + buffered.readUInt16BE(0))
      if (!answer) return void socket.destroy()
      const length = Buffer.alloc(2)
      length.writeUInt16BE(answer.length)
      socket.write(Buffer.concat([length, answer]))
    }
  })
  socket.on('error', () => socket.destroy())
}).listen(53, address)
