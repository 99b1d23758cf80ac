import java.nio.file.*;
import java.security.*;
import java.security.spec.*;
import java.util.*;

public class JavaKeys {
    static byte[] der(byte[] pem) {
        // decode the base64 body without making a String of it
        byte[] out = new byte[pem.length];
        int n = 0, acc = 0, bits = 0;
        boolean armour = false;
        for (int i = 0; i < pem.length; i++) {
            int c = pem[i] & 0xff;
            if (i == 0 || pem[i - 1] == '\n') armour = c == '-';
            if (armour || c == '\n' || c == '\r' || c == '=') continue;
            int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
            if (v < 0) continue;
            acc = (acc << 6) | v; bits += 6;
            if (bits >= 8) { bits -= 8; out[n++] = (byte) (acc >> bits); }
        }
        byte[] d = Arrays.copyOf(out, n);
        Arrays.fill(out, (byte) 0);
        return d;
    }
    public static void main(String[] a) throws Exception {
        List<PrivateKey> held = new ArrayList<>();
        for (int i = 1; i < a.length; i++) {
            byte[] pem = Files.readAllBytes(Paths.get(a[i]));
            byte[] d = der(pem);
            PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(d);
            String alg = a[i].contains("rsa") ? "RSA" : "EC";
            PrivateKey k = KeyFactory.getInstance(alg).generatePrivate(spec);
            Arrays.fill(d, (byte) 0); Arrays.fill(pem, (byte) 0);
            Signature s = Signature.getInstance(alg.equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA");
            s.initSign(k); s.update(new byte[]{1}); s.sign();
            held.add(k);
        }
        System.gc();
        Files.write(Paths.get(a[0]), ("pid " + ProcessHandle.current().pid() + "\nready\n").getBytes());
        Thread.sleep(1L << 40);
        System.out.println(held.size());
    }
}
